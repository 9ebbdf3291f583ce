from django.dispatch import Signal

# Sent with `connection=` after a (re)connect made a connection active: held posts can go out.
connection_activated = Signal()

# Sent with `connection=` when a connection goes disconnected: its scheduled posts are held.
connection_deactivated = Signal()
