# The runbook engine, its journal and the run lock (owned by core/runbook).
target_sources(drcore PRIVATE
    runbook/runbook.cpp runbook/runbook.h
    runbook/runjournal.cpp runbook/runjournal.h
    runbook/runbookengine.cpp runbook/runbookengine.h
    runbook/runlock.cpp runbook/runlock.h
)
