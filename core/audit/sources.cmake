# The tamper-evident audit trail (owned by core/audit).
target_sources(drcore PRIVATE
    audit/audittrail.h
    audit/audittrail.cpp
    audit/remoteaudit.h
    audit/remoteaudit.cpp
)
