# Global routing: the HAProxy runtime API and the routing switch (owned by core/routing).
target_sources(drcore PRIVATE
    routing/haproxyruntime.cpp routing/haproxyruntime.h
    routing/haproxyswitch.cpp routing/haproxyswitch.h
    routing/trafficmanager.cpp routing/trafficmanager.h
    routing/frontdoor.cpp routing/frontdoor.h
    routing/routingswitch.cpp routing/routingswitch.h
)
