# The index sync engine (owned by core/indexsync).
target_sources(drcore PRIVATE
    indexsync/indexsync.h
    indexsync/indexsync.cpp
    indexsync/indexkeys.h
    indexsync/indexkeys.cpp
)
