"""The admin form for questions."""

from wagtail.admin.forms import WagtailAdminModelForm


class QuestionForm(WagtailAdminModelForm):
    """Lets `Question.clean()` judge the answers being submitted.

    Django validates the model before modelcluster attaches the rows of the answers formset,
    so `clean()` would otherwise see the saved answers: none for a new question, which every
    save then refused with "Add at least one answer."."""

    def clean(self):
        cleaned_data = super().clean()
        answers = self.formsets.get("answers")
        if answers is not None and answers.is_valid():
            self.instance.answers = [
                form.instance for form in answers.forms
                if (form.has_changed() or form.instance.pk) and not form.cleaned_data.get("DELETE")
            ]
        return cleaned_data
