# Reports (issue 6): the model and its renderers. A library of its own because the PDF and
# HTML renderers need Qt Gui (fonts, QPainter, QPdfWriter); drcore stays Core/Network/Sql.
qt_add_library(drreport STATIC
    report/report.cpp report/report.h
    report/render.h
    report/reportjson.cpp
    report/reportcsv.cpp
    report/reportchart.cpp
    report/reporthtml.cpp report/reportstyle.h
    report/reportpdf.cpp
)
target_include_directories(drreport PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(drreport
    PUBLIC drcore Qt6::Gui
    PRIVATE dr_common_cfg)
