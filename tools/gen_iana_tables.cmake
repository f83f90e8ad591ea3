# gen_iana_tables.cmake - turns the IANA registry CSVs in data/iana/ into the C
# lookup tables that dissect/names.c binary-searches (see dissect/iana_tables.h).
#
#   cmake -DIANA_DIR=<dir> -DOUT=<file.c> -P tools/gen_iana_tables.cmake
#
# Input: one CSV per registry, `code,name`, a `code,name` header line first,
# codes in hex (0x00ff; 0x000000 for the 3-byte SSLv2 kinds). Blank lines are
# skipped. A code listed twice keeps its first name, as a later row is more
# likely an alias than a correction. Rows are sorted numerically here, so the
# CSVs need not be, because the C side relies on sorted tables and a
# mis-ordered row would otherwise make lookups silently miss.
#
# Names may be any printable ASCII; they are written as C string literals with
# backslash, quote and '?' (trigraphs) escaped. Anything else (control
# characters, tabs, bytes >= 0x80, a malformed code, a code too large for its
# registry) stops the build: the tables end up in the JSON output verbatim, so
# bad data must not slip through quietly.
#
# OUT is rewritten only when its content changes, so touching a CSV without
# changing it does not recompile the tables.

cmake_minimum_required(VERSION 3.13) # math(EXPR) with hex input and OUTPUT_FORMAT

if(NOT DEFINED IANA_DIR OR NOT DEFINED OUT)
  message(FATAL_ERROR "usage: cmake -DIANA_DIR=<dir> -DOUT=<file.c> -P gen_iana_tables.cmake")
endif()

# Characters that CMake's list splitting treats specially (';' separates, '['
# and ']' group, '\' escapes) are swapped for control bytes while the file is
# handled as a list of lines; the input is checked to contain no control bytes
# first, so the swap is lossless.
string(ASCII 1 SENT_BACKSLASH)
string(ASCII 2 SENT_SEMICOLON)
string(ASCII 3 SENT_LBRACKET)
string(ASCII 4 SENT_RBRACKET)

# gen_table(<csv basename> <C identifier> <max code> <hex digits>)
# Appends the table's C text to the variable GEN_OUT.
function(gen_table csv ident max width)
  set(path "${IANA_DIR}/${csv}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "${path}: not found")
  endif()
  # file(READ) silently stops at a NUL byte, so look for one in the hex dump
  # first ("00 " can only match a whole byte once every byte ends in a space).
  file(READ "${path}" hexdump HEX)
  string(REGEX REPLACE "(..)" "\\1 " hexdump "${hexdump}")
  string(FIND "${hexdump}" "00 " nul)
  if(NOT nul EQUAL -1)
    message(FATAL_ERROR "${path}: contains NUL bytes")
  endif()
  file(READ "${path}" content)
  if(content MATCHES "[^ -~\r\n]")
    message(FATAL_ERROR "${path}: contains control characters, tabs or non-ASCII bytes")
  endif()

  string(REPLACE "\\" "${SENT_BACKSLASH}" content "${content}")
  string(REPLACE ";" "${SENT_SEMICOLON}" content "${content}")
  string(REPLACE "[" "${SENT_LBRACKET}" content "${content}")
  string(REPLACE "]" "${SENT_RBRACKET}" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")

  set(keys "")
  set(header_seen FALSE)
  set(lineno 0)
  foreach(line IN LISTS lines)
    math(EXPR lineno "${lineno} + 1")
    string(STRIP "${line}" line) # also drops a CR of CRLF line ends
    if(line STREQUAL "")
      continue()
    endif()
    if(NOT header_seen)
      if(NOT line STREQUAL "code,name")
        message(FATAL_ERROR "${path}:${lineno}: expected header 'code,name'")
      endif()
      set(header_seen TRUE)
      continue()
    endif()
    if(NOT line MATCHES "^0[xX]([0-9a-fA-F]+),(.*)$")
      message(FATAL_ERROR "${path}:${lineno}: expected 'code,name' with a hex code: ${line}")
    endif()
    set(digits "${CMAKE_MATCH_1}")
    string(STRIP "${CMAKE_MATCH_2}" name)
    if(name STREQUAL "")
      message(FATAL_ERROR "${path}:${lineno}: empty name")
    endif()
    # Leading zeros are harmless; cap the significant digits so math() cannot
    # overflow before the range check.
    string(REGEX REPLACE "^0+" "" sig "${digits}")
    string(LENGTH "${sig}" siglen)
    if(siglen GREATER 8)
      message(FATAL_ERROR "${path}:${lineno}: code 0x${digits} out of range")
    endif()
    math(EXPR value "0x${digits}")
    if(value GREATER max)
      message(FATAL_ERROR "${path}:${lineno}: code 0x${digits} exceeds ${max}")
    endif()
    if(DEFINED seen_${value})
      continue() # duplicate: keep the first
    endif()
    set(seen_${value} TRUE)

    # Restore the swapped characters, escaping for a C string literal.
    string(REPLACE "\"" "\\\"" name "${name}")
    string(REPLACE "?" "\\?" name "${name}")
    string(REPLACE "${SENT_BACKSLASH}" "\\\\" name "${name}")
    string(REPLACE "${SENT_SEMICOLON}" ";" name "${name}")
    string(REPLACE "${SENT_LBRACKET}" "[" name "${name}")
    string(REPLACE "${SENT_RBRACKET}" "]" name "${name}")
    set(name_${value} "${name}")

    # Zero-padded decimal sorts numerically as a string.
    string(LENGTH "${value}" vlen)
    math(EXPR pad "10 - ${vlen}")
    string(REPEAT "0" ${pad} zeros)
    list(APPEND keys "${zeros}${value}")
  endforeach()

  if(NOT header_seen)
    message(FATAL_ERROR "${path}: empty file")
  endif()
  list(LENGTH keys count)
  if(count EQUAL 0)
    message(FATAL_ERROR "${path}: no entries")
  endif()
  list(SORT keys)

  set(text "\n/* ${csv}: ${count} entries */\nconst struct iana_entry ${ident}[] = {\n")
  foreach(key IN LISTS keys)
    math(EXPR value "${key}") # leading zeros: decimal, not octal, in math()
    math(EXPR hex "${value}" OUTPUT_FORMAT HEXADECIMAL)
    string(SUBSTRING "${hex}" 2 -1 hex)
    string(LENGTH "${hex}" hlen)
    math(EXPR pad "${width} - ${hlen}")
    if(pad GREATER 0)
      string(REPEAT "0" ${pad} zeros)
      set(hex "${zeros}${hex}")
    endif()
    string(APPEND text "    { 0x${hex}, \"${name_${value}}\" },\n")
  endforeach()
  string(APPEND text "};\nconst size_t ${ident}_count = sizeof ${ident} / sizeof ${ident}[0];\n")
  set(GEN_OUT "${GEN_OUT}${text}" PARENT_SCOPE)
endfunction()

set(GEN_OUT "/* iana_tables.c - GENERATED by tools/gen_iana_tables.cmake from the IANA registry
 * CSV files in data/iana/. Do not edit: change the CSV files instead.
 * Each table is sorted by code with no duplicates (dissect/names.c binary-searches them).
 */
#include \"dissect/iana_tables.h\"
")
gen_table(cipher_suites.csv iana_cipher_suites 65535 4)
gen_table(groups.csv iana_groups 65535 4)
gen_table(signature_schemes.csv iana_signature_schemes 65535 4)
gen_table(extensions.csv iana_extensions 65535 4)
gen_table(alerts.csv iana_alerts 255 4)
gen_table(handshake_types.csv iana_handshake_types 255 4)
gen_table(sslv2_cipher_kinds.csv iana_sslv2_cipher_kinds 16777215 6)

if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL GEN_OUT)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${GEN_OUT}")
