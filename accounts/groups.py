"""The three roles. Their names are stable identifiers; data migrations create them."""

TRAINEES = "Trainees"
INSTRUCTORS = "Instructors"
HR = "HR"
