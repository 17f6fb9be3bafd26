"""The chip ID card (CCCD): parse its QR record, know the provinces, read a card from a frame."""
