#!/usr/bin/env python3
"""Owns org.freedesktop.Notifications on the test's private session bus and records every
Notify call as one JSON line, so tests can assert on notifications the app really sent."""
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

OUT = sys.argv[1]
IFACE = "org.freedesktop.Notifications"


class Recorder(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.next_id = 0

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        self.next_id += 1
        record = {"id": self.next_id, "app_name": str(app_name), "summary": str(summary), "body": str(body), "actions": [str(a) for a in actions]}
        with open(OUT, "a") as f:
            f.write(json.dumps(record) + "\n")
        return self.next_id

    @dbus.service.method(IFACE, out_signature="as")
    def GetCapabilities(self):
        return ["body", "actions"]

    @dbus.service.method(IFACE, out_signature="ssss")
    def GetServerInformation(self):
        return ("countersign-test-recorder", "countersign", "1.0", "1.2")

    @dbus.service.method(IFACE, in_signature="u")
    def CloseNotification(self, notification_id):
        pass

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, notification_id, action_key):
        pass

    # Test control: behave as if the user clicked notification `notification_id`.
    @dbus.service.method("org.countersign.TestControl", in_signature="u")
    def Click(self, notification_id):
        self.ActionInvoked(notification_id, "default")


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
name = dbus.service.BusName(IFACE, bus)
Recorder(bus)
print("recorder ready", flush=True)
GLib.MainLoop().run()
