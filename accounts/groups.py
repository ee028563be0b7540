"""The three roles. Their names are stable identifiers; data migrations create them and give
their permissions: Instructors edit pages, images and documents (accounts 0002), author question
banks (quizzes 0002), grade essays (quizzes 0008) and translate pages with *Translate*
(`simple_translation.submit_translation`, content 0002); HR's come from hr's migrations."""

TRAINEES = "Trainees"
INSTRUCTORS = "Instructors"
HR = "HR"
