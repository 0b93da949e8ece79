import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  visit,
} from 'graphql';
import type { FieldPrice, SizeArg } from './prices';
import { COUNT_COST, UNPRICED_LIST_SIZE } from './prices';

/**
 * Depth and cost of an operation in one pass over its document: each fragment is analysed
 * once and its result reused wherever it is spread, so the work is linear in the size of the
 * document, however often fragments multiply each other (fragments that double at each of 30
 * levels cost 2^30 and are refused in microseconds, never expanded). Recursion follows the
 * document's nesting, which the query text guard bounds before parsing (document.ts).
 */

/** What the fields of one name add up to at the top of a selection set. */
interface Entry {
  /** How many times the field is selected there (aliases, fragments). */
  count: number;
  /** The cost of their selections, summed. */
  inner: number;
  /** Their cost as priced by their own rule. */
  own: number;
}

interface Summary {
  readonly entries: ReadonlyMap<string, Entry>;
  readonly cost: number;
  readonly depth: number;
}

const EMPTY: Summary = { entries: new Map(), cost: 0, depth: 0 };

export interface DocumentCounts {
  readonly aliases: number;
  readonly directives: number;
  readonly fragmentSpreads: number;
}

/** Aliases, directives and fragment spreads in a whole document (graphql's visit is iterative). */
export function countDocument(document: DocumentNode): DocumentCounts {
  let aliases = 0;
  let directives = 0;
  let fragmentSpreads = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
    Directive() {
      directives++;
    },
    FragmentSpread() {
      fragmentSpreads++;
    },
  });
  return { aliases, directives, fragmentSpreads };
}

function add(entries: Map<string, Entry>, name: string, entry: Entry): void {
  const seen = entries.get(name);
  if (seen) {
    seen.count += entry.count;
    seen.inner += entry.inner;
    seen.own += entry.own;
  } else {
    entries.set(name, { ...entry });
  }
}

export class OperationAnalyser {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly analysed = new Map<string, Summary | 'pending'>();
  private readonly defaults = new Map<string, unknown>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly prices: ReadonlyMap<string, FieldPrice>,
    document: DocumentNode,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
      if (definition.kind === Kind.OPERATION_DEFINITION) {
        for (const variable of definition.variableDefinitions ?? []) {
          const value = variable.defaultValue;
          if (value?.kind === Kind.INT) this.defaults.set(variable.variable.name.value, Number(value.value));
        }
      }
    }
  }

  /** `{ a { b } }` has depth 2 and costs 2; fragments count as their fields. */
  analyse(operation: OperationDefinitionNode): { cost: number; depth: number } {
    const root = this.schema.getRootType(operation.operation) ?? undefined;
    const summary = this.selectionSet(operation.selectionSet, root);
    return { cost: summary.cost, depth: summary.depth };
  }

  private selectionSet(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): Summary {
    const entries = new Map<string, Entry>();
    let depth = 0;
    const merge = (summary: Summary) => {
      for (const [name, entry] of summary.entries) add(entries, name, entry);
      depth = Math.max(depth, summary.depth);
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const definition = this.fieldDefinition(parent, selection.name.value);
        const child = selection.selectionSet ? this.selectionSet(selection.selectionSet, definition && getNamedType(definition.type)) : EMPTY;
        const price = parent ? this.prices.get(`${parent.name}.${selection.name.value}`) : undefined;
        add(entries, selection.name.value, { count: 1, inner: child.cost, own: this.price(price, definition, selection, child) });
        depth = Math.max(depth, 1 + child.depth);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
        merge(this.selectionSet(selection.selectionSet, type));
      } else {
        merge(this.fragment(selection.name.value));
      }
    }
    let cost = 0;
    for (const entry of entries.values()) cost += entry.own;
    return { entries, cost, depth };
  }

  private fragment(name: string): Summary {
    const seen = this.analysed.get(name);
    // A cycle: validation has refused it already; 'pending' only keeps this total.
    if (seen === 'pending') return EMPTY;
    if (seen) return seen;
    const definition = this.fragments.get(name);
    if (!definition) return EMPTY;
    this.analysed.set(name, 'pending');
    const summary = this.selectionSet(definition.selectionSet, this.schema.getType(definition.typeCondition.name.value));
    this.analysed.set(name, summary);
    return summary;
  }

  private fieldDefinition(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent && parent === this.schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
  }

  private price(price: FieldPrice | undefined, definition: GraphQLField<unknown, unknown> | undefined, node: FieldNode, child: Summary): number {
    // A list of scalars still holds one value per element.
    const perElement = Math.max(1, child.cost);
    switch (price?.kind) {
      case undefined: {
        const list = definition !== undefined && isListType(getNullableType(definition.type));
        return 1 + (list ? UNPRICED_LIST_SIZE * perElement : child.cost);
      }
      case 'list':
        return 1 + this.size(node, price.sizeArg, price.defaultSize) * perElement;
      case 'fixed':
        return 1 + price.size * perElement;
      case 'count':
        return COUNT_COST + child.cost;
      case 'perElement':
        return 1 + this.length(node, price.listArg) * perElement;
      case 'page': {
        const size = this.size(node, price.sizeArg, price.defaultSize);
        let cost = 1;
        for (const [name, entry] of child.entries) {
          cost += price.items.includes(name) ? entry.count + size * Math.max(entry.count, entry.inner) : entry.own;
        }
        return cost;
      }
      default: {
        const never: never = price;
        return never;
      }
    }
  }

  /**
   * How many elements a list argument holds, literal or variable. graphql-js makes a list of
   * one of a single value given where a list is expected, so that counts one.
   */
  private length(node: FieldNode, name: string): number {
    const argument = node.arguments?.find((arg) => arg.name.value === name);
    if (!argument) return 1;
    if (argument.value.kind === Kind.LIST) return Math.max(1, argument.value.values.length);
    if (argument.value.kind === Kind.VARIABLE) {
      const value = this.variables[argument.value.name.value];
      return Array.isArray(value) ? Math.max(1, value.length) : 1;
    }
    return 1;
  }

  /** The largest of the size arguments given (literal, variable or the variable's default), else the default. */
  private size(node: FieldNode, names: SizeArg, fallback: number): number {
    if (typeof names !== 'string') {
      const given = names.map((name) => this.size(node, name, 0)).filter((size) => size > 0);
      return given.length > 0 ? Math.max(...given) : fallback;
    }
    const name = names;
    const argument = node.arguments?.find((arg) => arg.name.value === name);
    let value: unknown;
    if (argument?.value.kind === Kind.INT) value = Number(argument.value.value);
    else if (argument?.value.kind === Kind.VARIABLE) {
      const variable = argument.value.name.value;
      value = variable in this.variables ? this.variables[variable] : this.defaults.get(variable);
    }
    // An out-of-range size is refused by the resolver's validation; cost it as given (at least 1).
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(1, Math.floor(value)) : fallback;
  }
}
