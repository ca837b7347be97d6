# Azure clients of the core library (Storage Shared Key, blob client, ...): included by
# core/CMakeLists.txt so this area can grow without touching the rest of the list.
target_sources(drcore PRIVATE
)
