"""The portal's menus. Each domain adds its entries when it is ready (AppConfig.ready),
so the header and the personal center list only what the platform can really do."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class MenuEntry:
    order: int
    key: str = field(compare=False)
    label: str = field(compare=False)
    url_name: str = field(compare=False)
    # Who sees it: a predicate on the user; None means everyone who reaches the menu.
    visible: object = field(default=None, compare=False)


_menus: dict[str, dict[str, MenuEntry]] = {"nav": {}, "center": {}, "staff": {}}


def _register(menu: str, *, key: str, label, url_name: str, order: int, visible=None) -> None:
    _menus[menu][key] = MenuEntry(
        order=order, key=key, label=label, url_name=url_name, visible=visible
    )


def register_nav_entry(**kwargs) -> None:
    _register("nav", **kwargs)


def register_center_entry(**kwargs) -> None:
    _register("center", **kwargs)


def register_staff_entry(**kwargs) -> None:
    _register("staff", **kwargs)


def entries(menu: str, user) -> list[MenuEntry]:
    return [e for e in sorted(_menus[menu].values()) if e.visible is None or e.visible(user)]
