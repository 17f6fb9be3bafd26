"""Plain data shared by every layer.

Nothing here imports our other packages, Qt, OpenCV, dlib or pyzbar; numpy is the only
third-party import, for the embedding arrays. Everything is a frozen dataclass.
"""

from models.citizen import CitizenRecord, Gender
from models.errors import KioskError
from models.face import EMBEDDING_SIZE, FaceBox, FaceSample, Landmarks, QualityIssue
from models.match import Candidate, Decision, Match
from models.visit import Rating, Visit

__all__ = [
    "EMBEDDING_SIZE",
    "Candidate",
    "CitizenRecord",
    "Decision",
    "FaceBox",
    "FaceSample",
    "Gender",
    "KioskError",
    "Landmarks",
    "Match",
    "QualityIssue",
    "Rating",
    "Visit",
]
