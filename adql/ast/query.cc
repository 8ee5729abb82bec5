#include "adql/ast/query.h"

namespace skyshard::adql::ast {

// Out of line: the nodes below own a Query, which is incomplete in expression.h.
TableRef::~TableRef() = default;
DerivedTable::DerivedTable() : TableRef(kKind) {}
DerivedTable::~DerivedTable() = default;
QueryBody::~QueryBody() = default;
NestedQuery::NestedQuery() : QueryBody(kKind) {}
NestedQuery::~NestedQuery() = default;
Query::Query() = default;
Query::~Query() = default;

}  // namespace skyshard::adql::ast
