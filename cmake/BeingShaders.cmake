# being_add_shaders(<target> <glsl files...>)
# Compiles each GLSL shader with glslc (Vulkan 1.2 SPIR-V, warnings are errors; glslc's messages
# appear in the build output) and embeds the SPIR-V into <target> as a generated header
# <being/shaders/IDENT.h> that defines `inline constexpr std::uint32_t being::shaders::IDENT[]`,
# where IDENT is the file name as a C identifier (radix_sort_scan.comp -> radix_sort_scan_comp).
# #include'd files are tracked through glslc's dependency files.
function(being_add_shaders target)
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/shaders_generated)
  file(MAKE_DIRECTORY ${generated}/spirv ${generated}/being/shaders)
  set(headers "")
  foreach(source IN LISTS ARGN)
    get_filename_component(source ${source} ABSOLUTE)
    get_filename_component(name ${source} NAME)
    string(MAKE_C_IDENTIFIER ${name} ident)
    set(spirv ${generated}/spirv/${name}.spv)
    set(header ${generated}/being/shaders/${ident}.h)
    add_custom_command(
      OUTPUT ${spirv}
      COMMAND ${Vulkan_GLSLC_EXECUTABLE} --target-env=vulkan1.2 -O -Werror
              -MD -MF ${spirv}.d -MT ${spirv} -o ${spirv} ${source}
      DEPENDS ${source}
      DEPFILE ${spirv}.d
      COMMENT "glslc ${name}"
      VERBATIM)
    add_custom_command(
      OUTPUT ${header}
      COMMAND ${CMAKE_COMMAND} -DSPIRV=${spirv} -DHEADER=${header} -DIDENT=${ident} -DSOURCE=${name}
              -P ${BEING_EMBED_SPIRV_SCRIPT}
      DEPENDS ${spirv} ${BEING_EMBED_SPIRV_SCRIPT}
      COMMENT "Embedding ${name}"
      VERBATIM)
    list(APPEND headers ${header})
  endforeach()
  target_sources(${target} PRIVATE ${headers})
  target_include_directories(${target} PRIVATE ${generated})
endfunction()

set(BEING_EMBED_SPIRV_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/BeingEmbedSpirv.cmake)
