import { registerEnumType } from 'type-graphql';

/** Values are the database's (lower case); names are the GraphQL enum's. */
export enum Environment {
  LIVE = 'live',
  TEST = 'test',
}

export enum CustomerType {
  ALL = 'all',
  BUSINESS = 'business',
  INDIVIDUAL = 'individual',
}

export enum ActivityStatus {
  ALL = 'all',
  ACTIVE = 'active',
  INACTIVE = 'inactive',
}

export enum TransactionStatus {
  COMPLETED = 'completed',
  REFUNDED = 'refunded',
}

registerEnumType(Environment, {
  name: 'Environment',
  description: 'Which data set an API key works on. Test keys never see live data, and live keys never see test data.',
  valuesConfig: {
    LIVE: { description: 'Real customers and payments.' },
    TEST: { description: 'Data for development and testing, kept apart from live data.' },
  },
});

registerEnumType(CustomerType, {
  name: 'CustomerType',
  description: 'Filter customers by kind.',
  valuesConfig: {
    ALL: { description: 'Businesses and individuals.' },
    BUSINESS: { description: 'Only customers that are businesses.' },
    INDIVIDUAL: { description: 'Only customers that are individuals.' },
  },
});

registerEnumType(ActivityStatus, {
  name: 'ActivityStatus',
  description: 'ACTIVE: at least one completed or refunded transaction. INACTIVE: none.',
  valuesConfig: {
    ALL: { description: 'Every customer, whatever their transactions.' },
    ACTIVE: { description: 'Customers with at least one completed or refunded transaction.' },
    INACTIVE: { description: 'Customers with no completed or refunded transaction.' },
  },
});

registerEnumType(TransactionStatus, {
  name: 'TransactionStatus',
  description: 'The status of a settled transaction.',
  valuesConfig: {
    COMPLETED: { description: 'The payment went through.' },
    REFUNDED: { description: 'The payment went through and was refunded.' },
  },
});

/** How a customer connection is ordered; values are the SQL functions' sort keys. */
export enum CustomerSortKey {
  CREATED_AT = 'created_at',
  UPDATED_AT = 'updated_at',
  NAME = 'name',
}

registerEnumType(CustomerSortKey, {
  name: 'CustomerSortKey',
  description: 'How a customer connection is ordered. Each key has a natural order; reverse: true flips it.',
  valuesConfig: {
    CREATED_AT: { description: 'Newest first (ties: id descending).' },
    UPDATED_AT: { description: 'Most recently changed first (ties: id descending).' },
    NAME: { description: 'A to Z by lower(name) under the database\'s collation (ties: id ascending).' },
  },
});
