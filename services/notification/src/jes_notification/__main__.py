from jes_servicekit import run_alone

from jes_notification.app import NAME, build

run_alone(NAME, build)
