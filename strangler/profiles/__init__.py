"""Project profiles, and which one a configuration uses (``[project] profile``).

``"auto"`` (the default) picks the first profile that recognises the project (see each
profile's ``detects``), else the generic one; a profile's name picks it outright.
"""

from __future__ import annotations

from strangler.profiles.wildrydes.profile import WildRydesProfile
from strangler_core.config import Config
from strangler_core.errors import ConfigError
from strangler_core.profile import GenericProfile, ProjectProfile

PROFILES: dict[str, ProjectProfile] = {
    profile.name: profile for profile in (GenericProfile(), WildRydesProfile())
}
AUTO = "auto"


def profile_for(config: Config) -> ProjectProfile:
    wanted = config.project.profile
    if wanted == AUTO:
        settings = config.django.settings
        found = (p for p in PROFILES.values() if p.detects(config.django_path, settings))
        return next(found, PROFILES["generic"])
    try:
        return PROFILES[wanted]
    except KeyError:
        known = ", ".join([AUTO, *PROFILES])
        raise ConfigError(
            f"{config.source}: [project] profile: unknown profile {wanted!r} (known: {known})"
        ) from None


def seed_command(config: Config) -> tuple[str, ...]:
    """``[django] seed`` when set (``[]`` runs none), else the profile's seed command."""
    if config.django.seed is not None:
        return tuple(config.django.seed)
    return profile_for(config).seed_command()
