from jes_servicekit import run_alone

from jes_case_sync.app import NAME, build

run_alone(NAME, build)
