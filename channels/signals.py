from django.dispatch import Signal

# Sent with `connection=` after a (re)connect made a connection active: held posts can go out.
connection_activated = Signal()
