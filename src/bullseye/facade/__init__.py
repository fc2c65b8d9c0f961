"""The Workspace facade by area: each module is a mixin of :class:`bullseye.workspace.Workspace`."""

from bullseye.facade.data import DataMixin
from bullseye.facade.discovery import DiscoveryMixin
from bullseye.facade.lifecycle import LifecycleMixin
from bullseye.facade.market import MarketMixin
from bullseye.facade.people import PeopleMixin
from bullseye.facade.workshop import WorkshopMixin

__all__ = ["DataMixin", "DiscoveryMixin", "LifecycleMixin", "MarketMixin", "PeopleMixin", "WorkshopMixin"]
