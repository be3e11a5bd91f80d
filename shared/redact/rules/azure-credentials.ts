import { nameIn, redactPairs } from '../pairs.js';
import { defineRule, marker } from '../rule.js';

const ID = 'azure-credentials';
const CONNECTION_STRING_KEY = /\b(AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecret)=([^;"'\s]+)/g;
/** Entra ID client secrets since 2021: three characters, a digit, "Q~", then 31–34 more. */
const CLIENT_SECRET = /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g;
const isAzureSecretName = nameIn([
  'aadClientSecret', 'AZURE_CLIENT_SECRET', 'AZURE_STORAGE_KEY', 'AZURE_STORAGE_ACCOUNT_KEY', 'storageAccountKey', 'accountKey',
  'aadClientCertPassword', 'AZURE_STORAGE_CONNECTION_STRING', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_STORAGE_SAS_TOKEN',
]);

export default defineRule({
  id: ID,
  description: 'Azure credentials: AccountKey= / SharedAccessKey= / SharedAccessSignature= in connection strings, Entra ID client secrets (…Q~…), and the values of aadClientSecret (an AKS node\'s azure.json), AZURE_CLIENT_SECRET, storage account keys and connection strings.',
  trigger: { words: ['AccountKey', 'SharedAccess', 'SharedSecret', 'Q~'], anyCase: ['azure', 'aad', 'accountkey', 'storage'] },
  create() {
    return (line, hit) => {
      let out = line;
      if (/AccountKey|SharedAccess|SharedSecret/.test(out)) {
        out = out.replace(CONNECTION_STRING_KEY, (all, name: string, value: string) => {
          if (value.startsWith('<redacted:')) return all;
          hit();
          return `${name}=${marker(ID)}`;
        });
      }
      if (out.includes('Q~')) {
        out = out.replace(CLIENT_SECRET, () => {
          hit();
          return marker(ID);
        });
      }
      if (/azure|aad|accountkey|storage/i.test(out)) out = redactPairs(out, isAzureSecretName, ID, hit);
      return out;
    };
  },
});
