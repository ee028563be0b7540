from django.dispatch import receiver

from courses.signals import curriculum_written

from . import curriculum


@receiver(curriculum_written)
def load_question_banks(sender, source, pages, writer, report, **kwargs):
    curriculum.write_question_banks(source, pages, writer, report)
