# Operators and authorisation (owned by core/auth).
target_sources(drcore PRIVATE
    auth/operatordirectory.h
    auth/operatordirectory.cpp
    auth/entrasignin.h
    auth/entrasignin.cpp
)
