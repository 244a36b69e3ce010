// File: arbor/core/status_macros.h
//
// ARBOR_RETURN_IF_ERROR and ARBOR_ASSIGN_OR_RETURN: early-return helpers for absl::Status and
// absl::StatusOr<T>, with the semantics of the status_macros.h that Abseil added upstream in
// 2026 (Debian 12's Abseil 20220623 has neither).
//
//   absl::Status Load(std::string_view path) {
//     ARBOR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     ARBOR_RETURN_IF_ERROR(Validate(text));
//     return absl::OkStatus();
//   }
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ARBOR_STATUS_MACROS_CONCAT_INNER(x, y) x##y
#define ARBOR_STATUS_MACROS_CONCAT(x, y) ARBOR_STATUS_MACROS_CONCAT_INNER(x, y)

// Evaluates `expr` (an absl::Status) once and returns it from the enclosing function if it is
// not OK.
#define ARBOR_RETURN_IF_ERROR(expr) \
  ARBOR_RETURN_IF_ERROR_IMPL(ARBOR_STATUS_MACROS_CONCAT(arbor_status_, __COUNTER__), expr)

// The status variable gets a unique name so that nested uses (a lambda inside `expr` that
// itself uses the macro) do not shadow each other.
#define ARBOR_RETURN_IF_ERROR_IMPL(status, expr) \
  do {                                           \
    ::absl::Status status = (expr);              \
    if (!status.ok()) return status;             \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; on error returns its status from the enclosing
// function, otherwise moves the value into `lhs`, which may be a declaration
// (`ARBOR_ASSIGN_OR_RETURN(auto x, F())`) or an existing lvalue.
#define ARBOR_ASSIGN_OR_RETURN(lhs, rexpr) \
  ARBOR_ASSIGN_OR_RETURN_IMPL(ARBOR_STATUS_MACROS_CONCAT(arbor_statusor_, __COUNTER__), lhs, rexpr)

// `statusor` is an identifier and `lhs` may be a declaration: neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ARBOR_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr)  \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
// NOLINTEND(bugprone-macro-parentheses)
