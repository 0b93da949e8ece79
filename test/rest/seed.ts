/**
 * The original Customers API's documented examples, copied verbatim from the seed
 * (shared/seed/customers-api.md): what merchants run today, and the shapes it promises.
 */

/** The seed's cURL section, byte for byte. */
export const SEED_CURL = String.raw`# List customers with search and filtering
curl -H "x-api-key: your-api-key" \
  "https://api.lomi.africa/customers?search=john&status=active&page=1&pageSize=50"

# Get a specific customer
curl -H "x-api-key: your-api-key" \
  "https://api.lomi.africa/customers/123e4567-e89b-12d3-a456-426614174000"

# Create a customer
curl -X POST -H "x-api-key: your-api-key" \
  -H "Content-Type: application/json" \
  -d '{
    "name": "John Doe",
    "email": "john.doe@example.com",
    "phone_number": "+221771234567",
    "country": "Senegal",
    "city": "Dakar",
    "is_business": false
  }' \
  "https://api.lomi.africa/customers"

# Update a customer
curl -X PATCH -H "x-api-key: your-api-key" \
  -H "Content-Type: application/json" \
  -d '{"email": "new.email@example.com"}' \
  "https://api.lomi.africa/customers/123e4567-e89b-12d3-a456-426614174000"

# Delete a customer
curl -X DELETE -H "x-api-key: your-api-key" \
  "https://api.lomi.africa/customers/123e4567-e89b-12d3-a456-426614174000"

# Get customer transactions
curl -H "x-api-key: your-api-key" \
  "https://api.lomi.africa/customers/123e4567-e89b-12d3-a456-426614174000/transactions"`;

/** What the seed's examples hold in place of a real base URL, key and customer id. */
export const SEED_BASE_URL = 'https://api.lomi.africa';
export const SEED_KEY = 'your-api-key';
export const SEED_CUSTOMER_ID = '123e4567-e89b-12d3-a456-426614174000';

/** The documented customer (Get, Create and Update responses have this shape). */
export const SEED_CUSTOMER = {
  customer_id: '123e4567-e89b-12d3-a456-426614174000',
  organization_id: '789e0123-e89b-12d3-a456-426614174000',
  name: 'John Doe',
  email: 'john.doe@example.com',
  phone_number: '+221771234567',
  whatsapp_number: '+221771234567',
  country: 'Senegal',
  city: 'Dakar',
  address: '123 Main Street',
  postal_code: '12345',
  is_business: false,
  metadata: { custom_field: 'value' },
  environment: 'live',
  created_at: '2024-01-15T10:30:00Z',
  updated_at: '2024-01-15T10:30:00Z',
};

/** The seed's optional fields: a customer created without them has null there. */
export const SEED_OPTIONAL_FIELDS = ['email', 'phone_number', 'whatsapp_number', 'country', 'city', 'address', 'postal_code', 'metadata'];

export const SEED_LIST = {
  customers: [SEED_CUSTOMER],
  pagination: { page: 1, pageSize: 50, totalCount: 100, totalPages: 2 },
};

export const SEED_DELETE = { message: 'Customer deleted successfully' };

export const SEED_TRANSACTION = {
  transaction_id: 'abc123-def456-789',
  description: 'Payment for Product A',
  gross_amount: 10000.0,
  currency_code: 'XOF',
  created_at: '2024-01-15T10:30:00Z',
  status: 'completed',
};

export const SEED_ERROR_401 = { statusCode: 401, message: 'Invalid API key' };
export const SEED_ERROR_404 = { statusCode: 404, message: 'Customer with ID 123e4567-e89b-12d3-a456-426614174000 not found or access denied' };
export const SEED_ERROR_400 = { statusCode: 400, message: ['email must be an email'] };
