# History charts and tray notifications, included by ui/CMakeLists.txt into drui. Kept in a
# file of its own so that the console's list and this one are edited independently.
target_sources(drui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/historychartview.cpp ${CMAKE_CURRENT_LIST_DIR}/historychartview.h
    ${CMAKE_CURRENT_LIST_DIR}/traynotifier.cpp ${CMAKE_CURRENT_LIST_DIR}/traynotifier.h
)
