// The one translation unit that compiles Boost.JSON for every Cairn binary (it is header-only:
// no library to link). Other files include <boost/json.hpp> only; a second src.hpp in the same
// binary would define its symbols twice.
#include <boost/json/src.hpp>
