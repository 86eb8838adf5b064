"""Sign-up and sign-in forms; Flask-WTF adds the CSRF token to each."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email address"), validators=[
        InputRequired(_l("Enter your email address")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter your password")), Length(max=256)])


class SignUpForm(FlaskForm):
    """A new account."""

    display_name = StringField(_l("Your name"), validators=[
        InputRequired(_l("Enter your name")),
        Length(max=120, message=_l("Your name must be 120 characters or fewer"))])
    email = EmailField(_l("Email address"), validators=[
        InputRequired(_l("Enter your email address")),
        Email(message=_l("Enter an email address in the correct format, like name@example.com")),
        Length(max=254, message=_l("Email address must be 254 characters or fewer"))])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter a password")),
        Length(min=10, max=256, message=_l("Password must be between 10 and 256 characters"))])
    confirm = PasswordField(_l("Confirm password"), validators=[
        InputRequired(_l("Confirm your password")),
        EqualTo("password", message=_l("Passwords do not match"))])
