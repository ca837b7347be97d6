# Read by cpack for each generator (CPACK_PROJECT_CONFIG_FILE). For the .deb: the libraries
# the three binaries need, from dpkg-shlibdeps over those binaries only. CPack's own
# CPACK_DEBIAN_PACKAGE_SHLIBDEPS runs `file` once per installed file to find the ELF ones:
# thousands of files in Azurite's node_modules, minutes spent to find none.
if(CPACK_GENERATOR STREQUAL "DEB")
    set(dir "${CPACK_PACKAGE_DIRECTORY}/_CPack_Packages/shlibdeps")
    file(MAKE_DIRECTORY "${dir}/debian")
    file(WRITE "${dir}/debian/control" "") # dpkg-shlibdeps wants one, as CPack gives it
    execute_process(COMMAND dpkg-shlibdeps -O ${DR_PACKAGED_BINARIES}
        WORKING_DIRECTORY "${dir}"
        OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "dpkg-shlibdeps failed (apt-get install dpkg-dev): ${err}")
    endif()
    string(REGEX REPLACE "^shlibs:Depends=" "" libs "${out}")
    string(STRIP "${libs}" libs)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "${libs}, ${CPACK_DEBIAN_PACKAGE_DEPENDS}")
endif()
