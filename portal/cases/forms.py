"""The case form for contributors."""

from __future__ import annotations

from flask_wtf.i18n import translations as wtf_translations
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from portal.cases.models import EvidenceLevel, ProcurementStatus
from portal.dates import DatePrecision
from portal.forms import PortalForm, plain_decimal, precision_field
from portal.labels import EVIDENCE_LEVEL, PROCUREMENT_STATUS, SECTION
from portal.taxonomy.models import Vocabulary
from portal.translating import lazy_gettext as _l

MAX_RESULTS = 20


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ResultForm(Form):
    class Meta:
        # A plain Form (used inside FormField) gets WTForms' own messages in the page's
        # language the same way FlaskForm does.
        def get_translations(self, form):
            return wtf_translations

    indicator = StringField(_l("Indicator"), validators=[Optional(), Length(max=200)])
    value = DecimalField(_l("Value"), validators=[Optional()], places=None)
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=60)])
    baseline = DecimalField(_l("Baseline"), validators=[Optional()], places=None)
    measured_on = DateField(_l("Measured on"), validators=[Optional()], format="%Y-%m-%d")
    measured_precision = precision_field(
        _l("How precise the date is"), _l("As precise as the source: a quarter stays a quarter.")
    )
    period = StringField(
        _l("Period"),
        validators=[Optional(), Length(max=120)],
        description=_l("The period the figure covers, as the source puts it, e.g. “2023”."),
    )
    evidence_level = SelectField(
        _l("Evidence"),
        choices=[SelectChoice(str(level), label) for level, label in EVIDENCE_LEVEL.items()],
        default=str(EvidenceLevel.SELF_REPORTED),
    )
    source = StringField(
        _l("Where the figure comes from"),
        validators=[Optional(), Length(max=300)],
        description=_l("A report, a document and page, or who measured it."),
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])

    @property
    def is_blank(self) -> bool:
        return not (self.indicator.data or self.value.data is not None or self.unit.data)


class CaseForm(PortalForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the case a title.")), Length(max=200)]
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[
            DataRequired(_l("Write a short summary.")),
            Length(max=300, message=_l("The summary can have at most 300 characters.")),
        ],
    )
    background = TextAreaField(SECTION["background"], validators=[Length(max=20_000)])
    what_was_done = TextAreaField(SECTION["what_was_done"], validators=[Length(max=20_000)])
    results_text = TextAreaField(SECTION["results_text"], validators=[Length(max=20_000)])
    not_as_planned = TextAreaField(SECTION["not_as_planned"], validators=[Length(max=20_000)])
    lessons = TextAreaField(SECTION["lessons"], validators=[Length(max=20_000)])
    year = IntegerField(
        _l("Year"),
        validators=[Optional(), NumberRange(1950, 2100, _l("Give a year between 1950 and 2100."))],
    )
    procurement_status = SelectField(
        _l("Procurement status"),
        choices=[SelectChoice(str(s), label) for s, label in PROCUREMENT_STATUS.items()],
        default=str(ProcurementStatus.COMPLETED),
    )
    estimated_value_nok = IntegerField(
        _l("Estimated value (NOK)"), validators=[Optional(), NumberRange(min=0)]
    )
    contact_name = StringField(_l("Contact name"), validators=[Optional(), Length(max=200)])
    contact_role = StringField(_l("Contact role"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[Optional(), Email(_l("Not a valid e-mail address.")), Length(max=254)],
    )
    contact_consent = BooleanField(_l("The contact agrees to be shown publicly"))
    results = FieldList(FormField(ResultForm), min_entries=1, max_entries=MAX_RESULTS)
    # Goes with the case when it is sent to the editors, into the comment thread.
    message = TextAreaField(
        _l("Message to the editors (optional)"), validators=[Optional(), Length(max=2000)]
    )

    def set_term_choices(self, terms_by_vocabulary: dict, language: str) -> None:
        for vocabulary in Vocabulary:
            field = getattr(self, f"terms_{vocabulary}")
            field.choices = [
                SelectChoice(str(term.id), term.label(language))
                for term in terms_by_vocabulary[vocabulary]
            ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for entry in self.results:
            row = entry.form
            if row.is_blank:
                continue
            if not row.indicator.data:
                row.indicator.errors.append(str(_l("Name the indicator.")))
                ok = False
            if row.value.data is None:
                row.value.errors.append(str(_l("Give a number.")))
                ok = False
            if not row.unit.data:
                row.unit.errors.append(str(_l("Give a unit, for example percent or mill. kr.")))
                ok = False
        return ok


for _vocabulary in Vocabulary:
    setattr(
        CaseForm,
        f"terms_{_vocabulary}",
        CheckboxesField(str(_vocabulary), choices=[], validate_choice=True, coerce=str),
    )


def case_data_from(form: CaseForm):
    """The validated form as the services' CaseData (blank result rows dropped)."""
    from portal.cases.services import CaseData, ResultData

    term_ids = [
        int(value)
        for vocabulary in Vocabulary
        for value in getattr(form, f"terms_{vocabulary}").data or []
    ]
    return CaseData(
        title=form.title.data,
        summary=form.summary.data,
        year=form.year.data,
        procurement_status=ProcurementStatus(form.procurement_status.data),
        sections={
            name: getattr(form, name).data or ""
            for name in ("background", "what_was_done", "results_text", "not_as_planned", "lessons")
        },
        estimated_value_nok=form.estimated_value_nok.data,
        contact_name=form.contact_name.data,
        contact_role=form.contact_role.data,
        contact_email=form.contact_email.data,
        contact_consent=bool(form.contact_consent.data),
        term_ids=term_ids,
        results=[
            ResultData(
                indicator=row.form.indicator.data,
                value=row.form.value.data,
                unit=row.form.unit.data,
                baseline=row.form.baseline.data,
                period=row.form.period.data or None,
                measured_on=row.form.measured_on.data,
                measured_precision=DatePrecision(row.form.measured_precision.data),
                evidence_level=EvidenceLevel(row.form.evidence_level.data),
                source=(row.form.source.data or "").strip() or None,
                note=(row.form.note.data or "").strip() or None,
            )
            for row in form.results
            if not row.form.is_blank
        ],
    )


def fill_form_from(form: CaseForm, case) -> None:
    """Put a stored case into an empty form (for the edit page's first view)."""
    form.process(obj=case)
    for vocabulary in Vocabulary:
        getattr(form, f"terms_{vocabulary}").data = [
            str(t.id) for t in case.terms if t.vocabulary is vocabulary
        ]
    while len(form.results):
        form.results.pop_entry()
    for result in case.results or [None]:
        form.results.append_entry()
        if result is not None:
            row = form.results[-1].form
            row.indicator.data = result.indicator
            row.value.data = plain_decimal(result.value)
            row.unit.data = result.unit
            row.baseline.data = plain_decimal(result.baseline)
            row.period.data = result.period
            row.measured_on.data = result.measured_on
            row.measured_precision.data = str(result.measured_precision or DatePrecision.DAY)
            row.source.data = result.source
            row.note.data = result.note
            row.evidence_level.data = str(result.evidence_level)
