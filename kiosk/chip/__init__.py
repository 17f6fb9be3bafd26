"""The CCCD's contactless chip (ICAO Doc 9303 eMRTD): access (BAC), secure messaging, its
data groups (DG1 MRZ, DG2 photo, DG13 Vietnamese fields), passive authentication, and the
PC/SC reader it is read through. Nothing of the chip (MRZ, keys, data groups) is logged."""
