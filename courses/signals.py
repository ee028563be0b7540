from django.dispatch import Signal

# Sent inside load_curriculum's transaction after the pages are written, with the parsed
# `source`, the written `pages` ({module slug: {language: ModulePage}, "course": {...}}) and the
# `report`. Apps that build on courses (quizzes) add their part of the curriculum here; an
# exception from a receiver rolls the whole load back.
curriculum_written = Signal()
