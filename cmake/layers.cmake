# feedbench_layer(NAME FOLDER [LAYERS lower...] [LIBS external...] [EXCLUDE file...])
#
# Makes the folder FOLDER (e.g. harness/measure) the static library feedbench_NAME. Its sources
# compile against an include root of their own, build/layers/NAME, which holds links to FOLDER and
# to the folders of the layers below it (LAYERS and, transitively, theirs) and to nothing else: an
# `#include "harness/suite/..."` from a lower layer names a file that is not there, and the build
# stops. Lower layers are linked PRIVATE, so a layer's users see only what they name themselves.
# Sets FEEDBENCH_LAYER_INCLUDE_<NAME> in the caller's scope (that include root).
option(FEEDBENCH_UNITY_BUILD "Compile each layer's sources in batches (unity build)" ON)

function(feedbench_layer name folder)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "LAYERS;LIBS;EXCLUDE")
  set(folders ${folder})
  foreach(lower IN LISTS arg_LAYERS)
    get_property(lower_folders GLOBAL PROPERTY FEEDBENCH_LAYER_FOLDERS_${lower})
    if(NOT lower_folders)
      message(FATAL_ERROR "layer ${name}: layer ${lower} must be declared before it")
    endif()
    list(APPEND folders ${lower_folders})
  endforeach()
  list(REMOVE_DUPLICATES folders)
  set_property(GLOBAL PROPERTY FEEDBENCH_LAYER_FOLDERS_${name} ${folders})

  set(root ${CMAKE_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${root})
  foreach(f IN LISTS folders)
    get_filename_component(parent ${root}/${f} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${f} ${root}/${f} SYMBOLIC)
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.cc)
  foreach(excluded IN LISTS arg_EXCLUDE)
    list(REMOVE_ITEM sources ${CMAKE_SOURCE_DIR}/${folder}/${excluded})
  endforeach()
  add_library(feedbench_${name} STATIC ${sources})
  if(FEEDBENCH_UNITY_BUILD)
    # A layer's files compile as a few large translation units, so the heavy headers they share
    # (nlohmann_json, fmt, CLI11, the standard library) are parsed and instantiated once per batch
    # rather than once per file: about half the compile time of the feedbench binary on 2 cores.
    set_target_properties(feedbench_${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
  target_include_directories(feedbench_${name} PRIVATE ${root})
  foreach(lower IN LISTS arg_LAYERS)
    target_link_libraries(feedbench_${name} PRIVATE feedbench_${lower})
  endforeach()
  # External headers a lower layer's header uses must be visible here too.
  get_property(libs GLOBAL PROPERTY FEEDBENCH_LAYER_LIBS)
  list(APPEND libs ${arg_LIBS})
  list(REMOVE_DUPLICATES libs)
  set_property(GLOBAL PROPERTY FEEDBENCH_LAYER_LIBS ${libs})
  target_link_libraries(feedbench_${name} PRIVATE ${libs})
  set(FEEDBENCH_LAYER_INCLUDE_${name} ${root} PARENT_SCOPE)
endfunction()
