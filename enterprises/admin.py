from django.contrib import admin

from .models import Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh"]
    filter_horizontal = ["coordinators"]
