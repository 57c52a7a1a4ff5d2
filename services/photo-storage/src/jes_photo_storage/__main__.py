"""`python -m jes_photo_storage` is `jes run --target=photo-storage` (jes_platform runtime)."""

from jes_platform import main_for

main_for("photo-storage")
