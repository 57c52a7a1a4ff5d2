from jes_servicekit import run_alone

from jes_photo_storage.app import NAME, build

run_alone(NAME, build)
