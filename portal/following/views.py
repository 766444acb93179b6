"""Following a search, confirming an address, leaving, and the list of subscriptions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.cases import search_page
from portal.extensions import csrf, db
from portal.following import services
from portal.following.forms import FollowForm, FrequencyForm
from portal.following.models import Frequency, Subscription
from portal.i18n import current_language

bp = Blueprint("following", __name__, url_prefix="/abonnementer")


@bp.route("/ny", methods=["GET", "POST"])
def new_subscription() -> Response | str:
    """Follow the search in the query string (the case list's arguments)."""
    search = search_page.request_from_args(request.args)
    with force_locale("nb"):  # digests are written in Norwegian
        title = search_page.describe(search, "nb")
    shown = search_page.describe(search, current_language())
    form = FollowForm()
    signed_in = current_user.is_authenticated
    if signed_in:
        del form.email
    if form.validate_on_submit():
        if form.website.data:
            # A robot: answer as if it worked, send nothing.
            return render_template("following/check_inbox.html", title=shown)
        try:
            subscription = services.subscribe(
                search=search,
                title=title,
                frequency=Frequency(form.frequency.data),
                user=current_user._get_current_object() if signed_in else None,
                email=None if signed_in else form.email.data,
                sender_address=request.remote_addr or "",
            )
        except services.FollowError as error:
            db.session.rollback()
            message = {
                "too-many": gettext("This address already follows 50 searches. Stop following "
                                    "some before adding more."),
                "too-long": gettext("This search is too long to follow. Remove some filters "
                                     "or words."),
                "rate": gettext("Too many confirmations have been sent to this address. Try "
                                "again in an hour."),
            }[str(error)]  # fmt: skip
            form.form_errors.append(message)
        else:
            db.session.commit()
            if signed_in:
                flash(gettext("You now follow “%(title)s”.", title=subscription.title), "success")
                return redirect(url_for("following.list_subscriptions"))
            # The same page whether the address was new or not: it reveals nobody's choices.
            return render_template("following/check_inbox.html", title=shown)
    return render_template(
        "following/new.html",
        form=form,
        search=search,
        title=shown,
        list_url=search_page.search_url("cases.list_cases", search),
    )


@bp.get("/")
def list_subscriptions() -> str:
    """A signed-in user's subscriptions; others are told how to reach theirs."""
    if not current_user.is_authenticated:
        return render_template("following/list.html", subscriptions=None, token=None)
    return _listing(services.subscriptions_of(current_user), token=None)


@bp.get("/adresse/<token>")
def manage_address(token: str) -> str:
    """Every subscription of an address, from the link in each digest."""
    email = services.address_for_token(token)
    if email is None:
        abort(404)
    return _listing(services.subscriptions_for_address(email), token=token)


def _listing(subscriptions: list[Subscription], token: str | None) -> str:
    forms = {s.id: FrequencyForm(formdata=None, frequency=str(s.frequency)) for s in subscriptions}
    return render_template(
        "following/list.html", subscriptions=subscriptions, forms=forms, token=token
    )


def _owned(subscription_id: int) -> Subscription:
    """A subscription the asker may change: their own, or the address's whose link they hold."""
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        abort(404)
    token = request.form.get("token")
    if token:
        if services.address_for_token(token) != subscription.email:
            abort(404)
    elif not current_user.is_authenticated or (
        subscription.user_id != current_user.id and subscription.email != current_user.email
    ):
        abort(404)
    return subscription


def _back() -> Response:
    token = request.form.get("token")
    if token:
        return redirect(url_for("following.manage_address", token=token))
    return redirect(url_for("following.list_subscriptions"))


@bp.post("/<int:subscription_id>/hyppighet")
def change_frequency(subscription_id: int) -> Response:
    subscription = _owned(subscription_id)
    form = FrequencyForm()
    if form.validate_on_submit():
        services.set_frequency(subscription, Frequency(form.frequency.data))
        db.session.commit()
        flash(gettext("Saved."), "success")
    return _back()


@bp.post("/<int:subscription_id>/slett")
def remove(subscription_id: int) -> Response:
    subscription = _owned(subscription_id)
    title = subscription.title
    services.unsubscribe(subscription)
    db.session.commit()
    flash(gettext("You no longer follow “%(title)s”.", title=title), "success")
    return _back()


@bp.route("/bekreft/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response | str:
    """The link in the confirmation mail: a button (mail scanners open links, they do not
    press buttons), then the subscription is active."""
    subscription = services.subscription_for_token(token, "confirm")
    if subscription is None:
        return render_template("following/link_invalid.html"), 404
    if request.method == "POST":
        services.confirm(subscription)
        db.session.commit()
        return render_template("following/done.html", subscription=subscription, confirmed=True,
                               manage=services.address_token(subscription.email))  # fmt: skip
    return render_template("following/confirm.html", subscription=subscription)


@bp.route("/avslutt/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs post here without a form; the signed token suffices
def unsubscribe(token: str) -> Response | str:
    """Leave with one click, from the link in a digest or the mail program's button."""
    subscription = services.subscription_for_token(token, "leave")
    if request.method == "POST":
        if subscription is not None:
            services.unsubscribe(subscription)
            db.session.commit()
        # Gone already (a second click) is the same outcome.
        return render_template("following/done.html", subscription=None, confirmed=False,
                               manage=None)  # fmt: skip
    if subscription is None:
        return render_template("following/link_invalid.html"), 404
    return render_template("following/leave.html", subscription=subscription, token=token)
