# Failover, failback, drills and readiness: gates, flows and the controller (owned by core/failover).
target_sources(drcore PRIVATE
    failover/failovercontroller.cpp failover/failovercontroller.h
    failover/flows.cpp failover/flows.h
    failover/gates.cpp failover/gates.h
)
