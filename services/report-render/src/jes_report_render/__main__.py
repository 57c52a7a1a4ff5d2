from jes_servicekit import run_alone

from jes_report_render.app import NAME, build

run_alone(NAME, build)
