# Azure clients of the core library (Storage Shared Key, blob client, ...): included by
# core/CMakeLists.txt so this area can grow without touching the rest of the list.
target_sources(drcore PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/blobclient.cpp ${CMAKE_CURRENT_LIST_DIR}/blobclient.h
    ${CMAKE_CURRENT_LIST_DIR}/blobxml.cpp ${CMAKE_CURRENT_LIST_DIR}/blobxml.h
    ${CMAKE_CURRENT_LIST_DIR}/httpdate.cpp ${CMAKE_CURRENT_LIST_DIR}/httpdate.h
    ${CMAKE_CURRENT_LIST_DIR}/sharedkey.cpp ${CMAKE_CURRENT_LIST_DIR}/sharedkey.h
)
# Microsoft Entra ID tokens and Azure Resource Manager (issue 7).
target_sources(drcore PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/entra.cpp ${CMAKE_CURRENT_LIST_DIR}/entra.h
    ${CMAKE_CURRENT_LIST_DIR}/armclient.cpp ${CMAKE_CURRENT_LIST_DIR}/armclient.h
)
# Storage accounts, Cosmos DB, App Service and Key Vault through ARM (issue 7).
target_sources(drcore PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/armresources.cpp ${CMAKE_CURRENT_LIST_DIR}/armresources.h
)
