"""Django's auth tables, as the TQ site has them."""

import peewee as pw

from tqconsole.models.base import BaseModel, ZonedDateTimeField


class User(BaseModel):
    app = "auth"
    search_fields = ("first_name", "last_name", "email", "username")
    label_fields = ("first_name", "last_name")

    password = pw.CharField(max_length=128, default="!")
    last_login = ZonedDateTimeField(null=True)
    is_superuser = pw.BooleanField(default=False, verbose_name="superuser status")
    username = pw.CharField(max_length=150, unique=True)
    first_name = pw.CharField(max_length=150, default="")
    last_name = pw.CharField(max_length=150, default="")
    # unique: the site's migration adds auth_user_email_uindex
    email = pw.CharField(max_length=254, default="", unique=True, verbose_name="email address")
    is_staff = pw.BooleanField(default=False, verbose_name="staff status")
    is_active = pw.BooleanField(default=True, verbose_name="active")
    date_joined = ZonedDateTimeField()

    class Meta:
        table_name = "auth_user"

    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


class Group(BaseModel):
    app = "auth"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=150, unique=True)

    class Meta:
        table_name = "auth_group"


class UserGroup(BaseModel):
    app = "auth"
    user = pw.ForeignKeyField(User, backref="group_links", on_delete="CASCADE")
    group = pw.ForeignKeyField(Group, backref="user_links", on_delete="CASCADE")

    class Meta:
        table_name = "auth_user_groups"
        verbose_name = "user-group relationship"
        verbose_name_plural = "user-group relationships"
        indexes = ((("user", "group"), True),)
