"""What the billing admin modules share."""

from django.contrib import admin

BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
