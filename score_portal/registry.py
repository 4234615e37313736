"""Extension points through which higher apps add to the core's pages without
the core importing them: navigation entries, home-page panels and the scope
(provinces, assignments) shown on a user's form."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: tuple[str, ...]
    order: int = 100
    active_prefix: str = ""


@dataclass(frozen=True)
class HomePanel:
    template: str
    roles: tuple[str, ...]
    context: object  # callable(request) -> dict
    order: int = 100


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    panels: list[HomePanel] = field(default_factory=list)
    scope_forms: list[type] = field(default_factory=list)
    seeders: list = field(default_factory=list)  # callables(stdout, scale), in app order

    def add_nav(self, entry):
        self.nav.append(entry)
        self.nav.sort(key=lambda e: e.order)

    def add_panel(self, panel):
        self.panels.append(panel)
        self.panels.sort(key=lambda p: p.order)

    def add_scope_form(self, form_class):
        self.scope_forms.append(form_class)

    def add_seeder(self, seeder):
        self.seeders.append(seeder)


registry = Registry()
