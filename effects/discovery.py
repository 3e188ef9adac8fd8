"""Finding WLEDs on the LAN (GET/POST /api/find_devices, as LedFx): they announce
`_wled._tcp` over mDNS. A scan listens for DEVICE_DISCOVERY_SECONDS on MDNS_INTERFACES (all
by default), then adds each WLED found that is not a device yet, through the same service
as a user typing its address. One scan at a time per process, in a thread of its own."""

import contextvars
import logging
import threading
import time

from django.conf import settings
from django.db import connections
from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf

from effects import services

logger = logging.getLogger(__name__)

WLED_SERVICE = "_wled._tcp.local."
RESOLVE_TIMEOUT_MS = 3000


def browse_wled(*, seconds, interfaces):
    """The addresses ("ip", or "ip:port" off port 80) of the WLEDs announced within `seconds`."""
    zeroconf = Zeroconf(interfaces=interfaces or InterfaceChoice.All)
    try:
        names = []

        def heard(zeroconf, service_type, name, state_change):
            if state_change is ServiceStateChange.Added and name not in names:
                names.append(name)

        browser = ServiceBrowser(zeroconf, WLED_SERVICE, handlers=[heard])
        time.sleep(seconds)
        browser.cancel()
        addresses = []
        for name in names:
            info = zeroconf.get_service_info(WLED_SERVICE, name, timeout=RESOLVE_TIMEOUT_MS)
            found = info.parsed_addresses(IPVersion.V4Only) if info else []
            if found:
                addresses.append(found[0] if info.port in (None, 80) else f"{found[0]}:{info.port}")
        return addresses
    finally:
        zeroconf.close()


class WledFinder:
    """Runs one scan at a time; asking while one runs joins it (returns False)."""

    def __init__(self):
        self.scanning = threading.Lock()

    def start(self, *, name_to_icon=None):
        if not self.scanning.acquire(blocking=False):
            return False
        context = contextvars.copy_context()  # the request's actor, for the history of what is added
        threading.Thread(target=context.run, args=(self.scan, name_to_icon or {}), name="find-wled", daemon=True).start()
        return True

    def scan(self, name_to_icon):
        try:
            addresses = browse_wled(seconds=settings.DEVICE_DISCOVERY_SECONDS, interfaces=settings.MDNS_INTERFACES)
            logger.info("WLED discovery found %d: %s", len(addresses), ", ".join(addresses) or "none")
            for address in addresses:
                try:
                    device = services.wled_found(address=address, name_to_icon=name_to_icon)
                except services.ServiceError as error:  # one refused does not keep the others out
                    logger.warning("WLED found at %s not added: %s", address, error)
                    continue
                if device is not None:
                    logger.info("added WLED %s at %s", device.id, address)
        except Exception:
            logger.exception("WLED discovery failed")
        finally:
            connections.close_all()  # this thread's, which ends here
            self.scanning.release()


wled_finder = WledFinder()
