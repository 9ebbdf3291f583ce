"""Every registered platform is complete: a fake server and the provider contract."""

import importlib
import pkgutil

import tests.channels.providers as contract_tests
from channels.providers import PROVIDERS, platform_choices
from channels.providers.base import Provider
from tests.channels.providers.contract import ProviderContract
from tests.fakes.server import FakeServer


def contract_classes() -> dict[str, type[ProviderContract]]:
    for module in pkgutil.iter_modules(contract_tests.__path__):
        importlib.import_module(f"{contract_tests.__name__}.{module.name}")
    found: dict[str, type[ProviderContract]] = {}
    pending = list(ProviderContract.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__name__.startswith("Test"):
            found[cls.platform] = cls
    return found


def test_every_registered_provider_runs_the_contract_against_its_fake():
    classes = contract_classes()
    assert set(classes) == set(PROVIDERS), "a registered provider lacks a contract test class"
    for slug, cls in classes.items():
        assert issubclass(cls.fake_class, FakeServer), f"{slug} has no fake server"
        assert cls.fake_class.__module__.startswith("tests.fakes."), slug


def test_platform_choices_are_the_registry():
    assert platform_choices() == [(slug, cls.name) for slug, cls in PROVIDERS.items()]
    assert all(issubclass(cls, Provider) for cls in PROVIDERS.values())
