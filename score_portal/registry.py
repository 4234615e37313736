"""Extension points through which higher apps add to lower apps' pages without
being imported by them: navigation entries, home-page panels, the scope
(provinces, assignments) shown on a user's form, demo seeders and tabs of the
enterprise page."""

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
    # Figures of counted records only, the same for the user until one changes (see
    # score_portal.datacache): rendered once and kept as HTML. No forms in such a panel.
    cached: bool = False


@dataclass(frozen=True)
class EnterpriseTab:
    """A tab of the enterprise page contributed by a higher app."""

    key: str
    label: str
    template: str
    context: object  # callable(request, enterprise) -> dict
    order: int = 100


@dataclass(frozen=True)
class PageSection:
    """A section a higher app adds to a lower app's page (e.g. assignments on an enrolment)."""

    page: str
    template: str
    context: object  # callable(request, obj) -> dict
    order: int = 100


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    panels: list[HomePanel] = field(default_factory=list)
    scope_forms: list[type] = field(default_factory=list)
    seeders: list = field(default_factory=list)  # callables(stdout, scale), in app order
    enterprise_tabs: list[EnterpriseTab] = field(default_factory=list)
    sections: list[PageSection] = field(default_factory=list)

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

    def add_section(self, section):
        self.sections.append(section)
        self.sections.sort(key=lambda s: s.order)

    def render_sections(self, page, request, obj):
        """[{template, ...context}] of the sections added to ``page``, for an include loop."""
        return [{"template": s.template, **s.context(request, obj)} for s in self.sections if s.page == page]

    def add_enterprise_tab(self, tab):
        self.enterprise_tabs.append(tab)
        self.enterprise_tabs.sort(key=lambda t: t.order)


registry = Registry()
