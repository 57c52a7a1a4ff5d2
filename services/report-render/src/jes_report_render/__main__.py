from jes_report_render.app import NAME, build
from jes_servicekit import run_alone

run_alone(NAME, build)
