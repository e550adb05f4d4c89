# The one version of feedbench: the project version, plus `git describe` when configured from a
# checkout (0.1.0+git.20382fe, 0.1.0+git.v0.1.0.3.g1a2b3c4.dirty). Sets FEEDBENCH_VERSION_FULL,
# written into harness/base/version.cc (FeedbenchVersion(): `--version`, results' context.feedbench,
# dataset manifests), the Debian package's version and its changelog, and the man page. Only
# characters a Debian version allows (no '-', so the package is native). Configure runs again when
# the checkout's HEAD moves, so a build after a commit carries the new description.
set(FEEDBENCH_VERSION_FULL ${PROJECT_VERSION})
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/.git)
  execute_process(
    COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} describe --tags --always --dirty
    OUTPUT_VARIABLE git_description OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE git_result ERROR_QUIET)
  execute_process(
    COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} rev-parse --absolute-git-dir
    OUTPUT_VARIABLE git_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(git_result EQUAL 0 AND git_description)
    string(REGEX REPLACE "[^A-Za-z0-9.+~]" "." git_description "${git_description}")
    set(FEEDBENCH_VERSION_FULL "${PROJECT_VERSION}+git.${git_description}")
  endif()
  foreach(head_file HEAD logs/HEAD)
    if(git_dir AND EXISTS ${git_dir}/${head_file})
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${git_dir}/${head_file})
    endif()
  endforeach()
endif()
message(STATUS "feedbench version ${FEEDBENCH_VERSION_FULL}")
configure_file(${CMAKE_SOURCE_DIR}/harness/base/version.cc.in
               ${CMAKE_BINARY_DIR}/generated/version.cc @ONLY)
