"""Russian text → Doc: normalisation, tokens, lemmas, personal-data masking, complaint fragments."""

from nlp.doc import Doc, PiiSpan
from nlp.pipeline import Preprocessor

__all__ = ["Doc", "PiiSpan", "Preprocessor"]
