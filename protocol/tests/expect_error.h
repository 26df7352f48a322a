#pragma once
// EXPECT_ERROR(statement, "text"): statement throws ppc::Error whose message contains text.
// (gmock's HasSubstr is not available in the ppc64le build.)
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"

#define EXPECT_ERROR(statement, text)                                                         \
  do {                                                                                        \
    try {                                                                                     \
      statement;                                                                              \
      ADD_FAILURE() << "no ppc::Error from: " #statement;                                     \
    } catch (const ::ppc::Error& error_) {                                                    \
      EXPECT_NE(std::string(error_.what()).find(text), std::string::npos)                     \
          << "error \"" << error_.what() << "\" lacks \"" << (text) << "\"";                  \
    }                                                                                         \
  } while (0)
