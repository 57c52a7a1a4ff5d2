from jes_servicekit import run_alone

from jes_identity.app import NAME, build

run_alone(NAME, build)
