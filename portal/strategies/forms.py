"""Forms for strategy authors: the strategy, goals, actions, indicators, measurements, links."""

from __future__ import annotations

from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.dates import DatePrecision
from portal.forms import CommaDecimalField, PortalForm, precision_field
from portal.labels import ACTION_STATUS, DIRECTION, STRATEGY_STATUS
from portal.strategies.models import ActionStatus, Direction, StrategyStatus
from portal.strategies.services import ActionData, GoalData, IndicatorData, StrategyData
from portal.translating import lazy_gettext as _l

GOAL_KINDS = ("Hovedmål", "Delmål", "Satsingsområde", "Tiltaksområde", "Innsatsområde", "Område")


YEAR = [NumberRange(1990, 2100, _l("Give a year between 1990 and 2100."))]
NUMBER = _l("Give a number, for example 12,5.")
DATE = _l("Give a date, for example 2026-12-31.")


class StrategyForm(PortalForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the strategy a title.")), Length(max=200)]
    )
    period_from = IntegerField(
        _l("Period from (year)"), validators=[InputRequired(_l("Give the first year.")), *YEAR]
    )
    period_to = IntegerField(
        _l("Period to (year)"), validators=[InputRequired(_l("Give the last year.")), *YEAR]
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(str(s), label) for s, label in STRATEGY_STATUS.items()],
        default=str(StrategyStatus.DRAFT),
    )
    adopted_on = DateField(_l("Adopted on"), validators=[Optional()], format="%Y-%m-%d")
    adopted_by = StringField(_l("Adopted by"), validators=[Optional(), Length(max=200)])
    vision = TextAreaField(_l("Vision and main goal"), validators=[Length(max=5_000)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=5_000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if (
            self.period_from.data is not None
            and self.period_to.data is not None
            and self.period_to.data < self.period_from.data
        ):
            self.period_to.errors.append(str(_l("The period cannot end before it starts.")))
            ok = False
        if self.status.data == StrategyStatus.ADOPTED:
            if self.adopted_on.data is None and not self.adopted_on.errors:
                self.adopted_on.errors.append(str(_l("Give the date the strategy was adopted.")))
                ok = False
            if not (self.adopted_by.data or "").strip():
                self.adopted_by.errors.append(
                    str(_l("Give the body that adopted it, for example the municipal council."))
                )
                ok = False
        return ok

    def to_data(self) -> StrategyData:
        return StrategyData(
            title=self.title.data,
            period_from=self.period_from.data,
            period_to=self.period_to.data,
            status=StrategyStatus(self.status.data),
            adopted_on=self.adopted_on.data,
            adopted_by=self.adopted_by.data,
            vision=self.vision.data or "",
            summary=self.summary.data or "",
        )


class GoalForm(PortalForm):
    kind = StringField(
        _l("Kind of goal"),
        validators=[DataRequired(_l("Say what kind of goal this is.")), Length(max=60)],
    )
    code = StringField(_l("Code"), validators=[Optional(), Length(max=60)])
    title = TextAreaField(
        _l("Goal"), validators=[DataRequired(_l("Write the goal.")), Length(max=2_000)]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    parent = SelectField(_l("Placed under"), choices=[], validate_choice=True)

    def to_data(self) -> GoalData:
        return GoalData(
            kind=self.kind.data,
            code=self.code.data,
            title=self.title.data,
            description=self.description.data or "",
        )


class ActionForm(PortalForm):
    title = TextAreaField(
        _l("Action"), validators=[DataRequired(_l("Describe the action.")), Length(max=2_000)]
    )
    responsible = StringField(_l("Responsible unit"), validators=[Optional(), Length(max=200)])
    deadline = DateField(_l("Deadline"), validators=[Optional()], format="%Y-%m-%d")
    deadline_precision = precision_field(
        _l("How precise the deadline is"),
        _l("“By summer 2017” is a summer, not a day: pick a day in it and “Summer”."),
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(str(s), label) for s, label in ACTION_STATUS.items()],
        default=str(ActionStatus.PLANNED),
    )

    def to_data(self) -> ActionData:
        return ActionData(
            title=self.title.data,
            responsible=self.responsible.data,
            deadline=self.deadline.data,
            deadline_precision=DatePrecision(self.deadline_precision.data),
            status=ActionStatus(self.status.data),
        )


class IndicatorForm(PortalForm):
    name = StringField(
        _l("Indicator"), validators=[DataRequired(_l("Name the indicator.")), Length(max=300)]
    )
    unit = StringField(
        _l("Unit"),
        validators=[
            DataRequired(_l("Give a unit, for example percent or courses a year.")),
            Length(max=60),
        ],
    )
    baseline = CommaDecimalField(_l("Baseline"), validators=[Optional()], places=None)
    target = CommaDecimalField(
        _l("Target value"), validators=[InputRequired(_l("Give the target value."))], places=None
    )
    target_date = DateField(_l("Target date"), validators=[Optional()], format="%Y-%m-%d")
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice(str(d), label) for d, label in DIRECTION.items()],
        default=str(Direction.HIGHER_IS_BETTER),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.baseline.data is not None and self.baseline.data == self.target.data:
            self.target.errors.append(str(_l("The target must differ from the baseline.")))
            ok = False
        return ok

    def to_data(self) -> IndicatorData:
        return IndicatorData(
            name=self.name.data,
            unit=self.unit.data,
            baseline=self.baseline.data,
            target=self.target.data,
            target_date=self.target_date.data,
            direction=Direction(self.direction.data),
        )


class MeasurementForm(PortalForm):
    measured_on = DateField(_l("Measured on"), validators=[InputRequired(DATE)], format="%Y-%m-%d")
    value = CommaDecimalField(_l("Value"), validators=[InputRequired(NUMBER)], places=None)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class LinkForm(PortalForm):
    rationale = TextAreaField(
        _l("Why does this case support the goal?"),
        validators=[DataRequired(_l("Say why this case supports the goal.")), Length(max=2_000)],
    )


class LinkToGoalForm(LinkForm):
    goal = SelectField(_l("Goal"), choices=[], validate_choice=True)
