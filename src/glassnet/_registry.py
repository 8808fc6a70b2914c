"""What every configurable object shares: ``get_config``/``from_config``/``__repr__``, and name resolution.

Activations, losses, initialisers, optimisers and schedules are each a registry of classes by name. Each module's
public ``get(name_or_instance)`` resolves through :func:`resolve`, so that names, aliases, config dicts and
instances are handled, and unknown names reported, in one way everywhere.
"""

from __future__ import annotations

from typing import Any

from ._validation import unknown_name_message


class Configurable:
    """Mixin: a ``name`` class attribute and JSON-safe constructor arguments in ``get_config``."""

    name = "configurable"

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as a JSON-safe dict, with ``"name"``; ``from_config`` rebuilds from it."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]):
        config = dict(config)
        config.pop("name", None)
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def resolve(value, registry: dict[str, type], kind: str, base: type, aliases: dict[str, str] | None = None):
    """An instance of ``base`` from a name (or alias, any case), a config dict, or an instance (returned as is).

    An unknown name raises ``ValueError`` listing the valid names and suggesting the closest; anything else
    raises ``TypeError``.
    """
    aliases = aliases or {}
    if isinstance(value, base):
        return value
    if isinstance(value, dict):
        name = value.get("name")
        cls = registry.get(aliases.get(name, name)) if isinstance(name, str) else None
        if cls is None:
            raise ValueError(unknown_name_message(name, kind, list(registry) + list(aliases)))
        return cls.from_config(value)
    if isinstance(value, str):
        name = aliases.get(value.lower(), value.lower())
        if name in registry:
            return registry[name]()
        raise ValueError(unknown_name_message(value, kind, list(registry) + list(aliases)))
    raise TypeError(f"{kind} must be a name, a config dict or a {base.__name__}, received {kind}={value!r}")


#: the classes files may name (``io`` rebuilds models through it, so that it never imports ``model``)
CLASSES: dict[str, type] = {}


def register_class(cls: type) -> type:
    """Make ``cls`` findable by its name (``Sequential`` registers itself when its module loads)."""
    CLASSES[cls.__name__] = cls
    return cls


def get_class(name: str) -> type:
    """The registered class called ``name``; a ValueError naming the registered ones otherwise."""
    if name not in CLASSES:
        raise ValueError(unknown_name_message(name, "class", list(CLASSES)))
    return CLASSES[name]


#: notebook (HTML) renderers by class name, filled by ``display`` when glassnet is imported: a class asks for its
#: renderer here (``html_of(self)``), so no room has to import the one that draws it
HTML_RENDERERS: dict[str, Any] = {}


def register_html(*names: str):
    """Decorator: ``fn(obj) -> str`` renders objects of the classes called ``names`` as HTML."""
    def decorate(fn):
        for name in names:
            HTML_RENDERERS[name] = fn
        return fn
    return decorate


def html_of(obj) -> str | None:
    """The HTML of ``obj`` from the renderer registered for its class (or a base class), or None (then a notebook
    shows the plain text)."""
    for cls in type(obj).__mro__:
        renderer = HTML_RENDERERS.get(cls.__name__)
        if renderer is not None:
            return renderer(obj)
    return None


#: figure makers the engine's observers use (``LivePlot``), registered by ``display`` as glassnet is imported
DRAWERS: dict[str, Any] = {}


def register_drawer(name: str):
    """Decorator: register a figure maker under ``name``."""
    def decorate(fn):
        DRAWERS[name] = fn
        return fn
    return decorate
